"""WAMP v2: message types named, sessions followed, requests matched to answers (WAMP basic profile)."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable

import pytest

from wsexplorer.codec.subprotocols import DecodedMessage, conversation
from wsexplorer.codec.subprotocols.wamp import MESSAGES, WampConversation

from .samples import only, rules, spanned

# The optional serializers are needed here: missing, these tests fail (never skip).
msgpack = importlib.import_module("msgpack")
cbor2 = importlib.import_module("cbor2")

SESSION: list[tuple[str, list[object]]] = [
    ("client", [1, "realm1", {"roles": {"caller": {}, "callee": {}, "subscriber": {}, "publisher": {}}}]),
    ("server", [2, 9129137332, {"roles": {"broker": {}, "dealer": {}}}]),
    ("client", [32, 1, {}, "com.myapp.topic1"]),
    ("server", [33, 1, 5512315355]),
    ("client", [16, 2, {"acknowledge": True}, "com.myapp.topic1", ["hello"]]),
    ("server", [17, 2, 4429313566]),
    ("client", [16, 3, {}, "com.myapp.topic1"]),  # unacknowledged: no answer is due
    ("server", [36, 5512315355, 4429313566, {}, ["hello"]]),
    ("client", [64, 4, {}, "com.myapp.add"]),
    ("server", [65, 4, 2103333224]),
    ("server", [68, 1, 2103333224, {}, [2, 3]]),
    ("client", [70, 1, {}, [5]]),
    ("client", [48, 5, {"receive_progress": True}, "com.myapp.slow", [1]]),
    ("server", [50, 5, {"progress": True}, ["half"]]),
    ("server", [50, 5, {}, ["done"]]),
    ("client", [48, 6, {}, "com.myapp.missing"]),
    ("server", [8, 48, 6, {}, "wamp.error.no_such_procedure"]),
    ("client", [34, 7, 5512315355]),
    ("server", [35, 7]),
    ("client", [66, 8, 2103333224]),
    ("server", [67, 8]),
    ("client", [6, {}, "wamp.close.close_realm"]),
    ("server", [6, {}, "wamp.close.goodbye_and_out"]),
]
ENCODERS: dict[str, Callable[[object], str | bytes]] = {
    "wamp.2.json": json.dumps,
    "wamp.2.msgpack": msgpack.packb,
    "wamp.2.cbor": cbor2.dumps,
}


def play(name: str, messages: list[tuple[str, list[object]]]) -> list[DecodedMessage]:
    conv = conversation(name)
    assert isinstance(conv, WampConversation)
    out: list[DecodedMessage] = []
    for sender, message in messages:
        out += conv.receive(ENCODERS[name](message), "client" if sender == "client" else "server")
    return out


@pytest.mark.parametrize("name", list(ENCODERS))
def test_a_whole_session_breaks_no_rule_in_every_serialization(name: str) -> None:
    decoded = play(name, SESSION)
    assert rules(decoded) == []
    assert [d.kind for d in decoded][:4] == ["HELLO", "WELCOME", "SUBSCRIBE", "SUBSCRIBED"]
    assert all(d.protocol == name for d in decoded)


@pytest.mark.parametrize("name", list(ENCODERS))
def test_elements_are_fields_with_their_wamp_names(name: str) -> None:
    [call] = play(name, [SESSION[12]])[-1:]
    by_name = {f.name: f for f in call.fields}
    assert by_name["/0"].meaning == "message type 48: CALL" and by_name["/3"].meaning == "Procedure|uri"
    assert by_name["/3"].value == "com.myapp.slow" and by_name["/4"].meaning == "Arguments|list"
    encoded = ENCODERS[name](SESSION[12][1])
    raw = encoded.encode() if isinstance(encoded, str) else encoded
    assert by_name["/3"].raw in raw


def _last(messages: list[tuple[str, list[object]]]) -> DecodedMessage:
    return play("wamp.2.json", messages)[-1]


OPEN = SESSION[:2]


def test_hello_first_and_no_session_messages_before_welcome() -> None:
    d = _last([("client", [48, 1, {}, "a.b"])])
    assert rules([d]) == [
        "HELLO must be the very first message of the client, not CALL (protocol violation)",
        "CALL before the session is established (no WELCOME yet) (protocol violation)",
    ]
    assert d.violations[1].section == "WAMP basic profile: Transports: Protocol errors"
    d = _last([*OPEN, ("client", [1, "realm1", {}])])
    assert rules([d]) == ["HELLO during an established session (protocol violation)"]


def test_answers_match_requests() -> None:
    d = _last([*OPEN, ("server", [50, 77, {}])])
    v = only(d)
    assert v.rule == "RESULT for request 77, which no CALL awaits (protocol violation)"
    assert v.section == "WAMP basic profile: Remote Procedure Calls" and spanned(d, v) == b"77"
    d = _last([*OPEN, ("client", [32, 1, {}, "a.b"]), ("server", [17, 1, 5])])
    assert rules([d]) == ["PUBLISHED for request 1, which no PUBLISH awaits (protocol violation)"]
    d = _last([*OPEN, ("client", [48, 1, {}, "a.b"]), ("client", [48, 1, {}, "a.c"])])
    assert rules([d]) == ["request id 1 is still pending (protocol violation)"]
    d = _last([*OPEN, ("server", [8, 2, 1, {}, "wamp.error.x"])])
    assert rules([d]) == [
        "ERROR for request type 2, which is not a request that can fail (protocol violation)"
    ]


def test_subscriptions_and_registrations_must_be_held() -> None:
    d = _last([*OPEN, ("server", [36, 99, 1, {}])])
    assert rules([d]) == ["EVENT for subscription 99, which is not held (protocol violation)"]
    d = _last([*OPEN, ("client", [34, 1, 99])])
    assert rules([d]) == ["UNSUBSCRIBE for subscription 99, which is not held (protocol violation)"]
    d = _last([*OPEN, ("server", [68, 1, 42, {}])])
    assert rules([d]) == ["INVOCATION for registration 42, which is not held (protocol violation)"]
    after = play("wamp.2.json", [*SESSION[:4], ("client", [34, 9, 5512315355]), ("server", [35, 9])])
    assert rules(after) == []
    d = _last(
        [
            *SESSION[:4],
            ("client", [34, 9, 5512315355]),
            ("server", [35, 9]),
            ("server", [36, 5512315355, 1, {}]),
        ]
    )
    assert "which is not held" in only(d).rule  # released by the answered UNSUBSCRIBE


def test_message_formats() -> None:
    d = _last([*OPEN, ("client", [48, 1, {}, "bad uri with spaces"])])
    v = only(d)
    assert (
        v.rule == "Procedure|uri must be a URI string (protocol violation)"
        and spanned(d, v) == b'"bad uri with spaces"'
    )
    d = _last([*OPEN, ("client", [48, 0, {}, "a.b"])])
    assert rules([d]) == ["Request|id must be an integer id in [1, 2^53] (protocol violation)"]
    d = _last([*OPEN, ("client", [48, 1, {}])])
    assert rules([d]) == ["CALL has 3 elements; it takes 4 to 6 (protocol violation)"]
    d = _last([*OPEN, ("server", [48, 1, {}, "a.b"])])
    assert rules([d]) == ["CALL is sent by the client (protocol violation)"]
    d = _last([*OPEN, ("client", [99, 1])])
    assert rules([d]) == ["message type 99 is not defined (protocol violation)"]
    d = _last([*OPEN, ("client", [32, 1, {"match": "wildcard"}, "a..b"])])
    assert rules([d]) == []  # pattern-based subscriptions may have empty URI components


def test_not_an_array_and_the_wrong_websocket_message_type() -> None:
    conv = WampConversation()
    [d] = conv.receive('{"a": 1}', "client")
    assert rules([d]) == ["a WAMP message is an array with the type code first (protocol violation)"]
    [d] = WampConversation().receive(b"[1]", "client")
    assert "a binary message in wamp.2.json: text messages only" in rules([d])[0]
    [d] = WampConversation(serializer="msgpack").receive(b"\x91\x01", "client")
    assert d.protocol == "wamp.2.msgpack" and d.kind == "HELLO"
    [d] = WampConversation(serializer="cbor").receive(b"\xff", "client")
    assert d.kind == "invalid" and "not a CBOR array" in rules([d])[0]


def test_a_missing_optional_package_is_said_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    real = importlib.import_module

    def fake(name: str, package: str | None = None) -> object:
        if name == "msgpack":
            raise ImportError("no msgpack here")
        return real(name, package)

    monkeypatch.setattr("wsexplorer.codec.subprotocols.wamp_serializers.importlib.import_module", fake)
    conv = WampConversation(serializer="msgpack")
    assert conv.missing == "msgpack"
    [d] = conv.receive(b"\x91\x01", "client")
    v = only(d)
    assert d.kind == "not decoded" and "pip install msgpack" in v.rule and v.fault == "local"


def test_every_message_code_is_named() -> None:
    assert {code: m.name for code, m in MESSAGES.items() if code < 10} == {
        1: "HELLO",
        2: "WELCOME",
        3: "ABORT",
        4: "CHALLENGE",
        5: "AUTHENTICATE",
        6: "GOODBYE",
        8: "ERROR",
    }
    assert len(MESSAGES) == 24
    with pytest.raises(ValueError, match="serializer"):
        WampConversation(serializer="xml")


def test_a_welcome_answers_a_hello() -> None:
    d = _last([("server", [2, 1, {}])])
    assert rules([d]) == ["WELCOME answers a HELLO, and none is pending (protocol violation)"]
    assert d.violations[0].section == "WAMP basic profile: Sessions"
