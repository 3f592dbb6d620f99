"""graphql-transport-ws (graphql-ws PROTOCOL.md): messages, close codes, what may come when."""

from __future__ import annotations

import pytest

from wsexplorer.codec.subprotocols import DecodedMessage
from wsexplorer.codec.subprotocols.graphql import (
    GraphQLCloseCode,
    GraphQLTransportWsConversation,
    clash_note,
    close_code_meaning,
)

from .samples import Messages, only, rules, run, spanned

INIT = '{"type":"connection_init","payload":{"token":"t"}}'
ACK = '{"type":"connection_ack"}'
SUB = '{"id":"1","type":"subscribe","payload":{"query":"subscription { greetings }","variables":{}}}'
VALID = [
    ("client", INIT),
    ("server", ACK),
    ("client", SUB),
    ("server", '{"id":"1","type":"next","payload":{"data":{"greetings":"Hi"}}}'),
    ("client", '{"type":"ping"}'),
    ("server", '{"type":"pong"}'),
    ("server", '{"type":"pong","payload":{"beat":1}}'),
    ("server", '{"id":"1","type":"complete"}'),
    ("client", '{"id":"2","type":"subscribe","payload":{"query":"{ a }","operationName":null}}'),
    ("server", '{"id":"2","type":"error","payload":[{"message":"no field a"}]}'),
    ("client", '{"id":"1","type":"subscribe","payload":{"query":"{ b }"}}'),  # 1 finished: reusable
    ("client", '{"id":"1","type":"complete"}'),
    ("server", '{"id":"1","type":"next","payload":{"data":null}}'),  # in flight: ignored, not an error
]


def _last(messages: Messages) -> DecodedMessage:
    return run(GraphQLTransportWsConversation(), messages)[-1]


def test_a_valid_conversation_breaks_no_rule() -> None:
    conv = GraphQLTransportWsConversation()
    decoded = run(conv, VALID)
    assert rules(decoded) == []
    assert [d.kind for d in decoded[:4]] == ["connection_init", "connection_ack", "subscribe", "next"]
    assert decoded[2].attributes["id"] == "1" and "subscription { greetings }" in decoded[2].headline
    assert decoded[5].headline == "(answers a ping)" and decoded[6].headline == "(unsolicited: a heartbeat)"
    assert "ignored, not an error" in decoded[-1].headline
    assert conv.state == "acknowledged, 0 operation(s) running"


def test_fields_say_what_each_member_is_for() -> None:
    [_, _, sub] = run(GraphQLTransportWsConversation(), VALID[:3])
    by_name = {f.name: f for f in sub.fields}
    assert by_name["/type"].meaning.startswith("message type subscribe")
    assert by_name["/type"].rfc_ref == "graphql-ws PROTOCOL.md: Subscribe"
    assert by_name["/payload/query"].raw == b'"subscription { greetings }"'


@pytest.mark.parametrize(
    ("message", "rule", "section", "where"),
    [
        ('{"type":"connection_init"', "invalid message, not JSON", "Invalid message", b""),
        ("[1]", "a message is a JSON object, not array", "Invalid message", b"[1]"),
        ('{"id":"1"}', "invalid message: no 'type'", "Invalid message", b'{"id":"1"}'),
        ('{"type":7}', "invalid message: 'type' must be a string", "Invalid message", b"7"),
        ('{"type":"hello"}', "invalid message: unknown type 'hello'", "Invalid message", b'"hello"'),
        (
            '{"type":"next","id":"1","payload":{}}',
            "'next' is sent by the server only",
            "Next (Direction)",
            b'"next"',
        ),
        (
            '{"type":"subscribe","payload":{"query":"{a}"}}',
            "'subscribe' needs a non-empty string 'id'",
            "Subscribe",
            b"",
        ),
        (
            '{"type":"subscribe","id":"","payload":{"query":"{a}"}}',
            "needs a non-empty string 'id'",
            "Subscribe",
            b'""',
        ),
        (
            '{"type":"subscribe","id":"9","payload":{}}',
            "subscribe payload needs a string 'query'",
            "Subscribe",
            b"{}",
        ),
        (
            '{"type":"subscribe","id":"9","payload":[]}',
            "'subscribe' payload must be an object",
            "Subscribe",
            b"[]",
        ),
        ('{"type":"ping","payload":3}', "'ping' payload must be an object or null", "Ping", b"3"),
        (
            '{"type":"subscribe","id":"9","payload":{"query":"{a}","variables":[1]}}',
            "subscribe payload 'variables' must be an object or null",
            "Subscribe",
            b"[1]",
        ),
    ],
)
def test_invalid_messages_close_with_4400(message: str, rule: str, section: str, where: bytes) -> None:
    d = _last([("client", INIT), ("server", ACK), ("client", message)])
    v = only(d)
    assert rule in v.rule and v.section == f"graphql-ws PROTOCOL.md: {section}"
    assert v.close_code == GraphQLCloseCode.BAD_REQUEST and int(GraphQLCloseCode.BAD_REQUEST) == 4400
    if where:
        assert spanned(d, v) == where


def test_an_error_payload_must_be_graphql_errors() -> None:
    messages = [("client", INIT), ("server", ACK), ("client", SUB)]
    d = _last([*messages, ("server", '{"id":"1","type":"error","payload":{"message":"x"}}')])
    v = only(d)
    assert v.section == "graphql-ws PROTOCOL.md: Error" and v.close_code == 4400
    assert spanned(d, v) == b'{"message":"x"}'


def test_a_binary_message_is_not_a_graphql_message() -> None:
    d = _last([("client", INIT.encode())])
    v = only(d)
    assert v.section == "graphql-ws PROTOCOL.md: Communication" and v.close_code == 4400


def test_a_second_connection_init_closes_with_4429() -> None:
    d = _last([("client", INIT), ("client", INIT)])
    v = only(d)
    assert (v.rule, v.close_code, spanned(d, v)) == ("a second connection_init", 4429, b'"connection_init"')
    assert v.section == "graphql-ws PROTOCOL.md: ConnectionInit"


def test_subscribe_before_the_ack_closes_with_4401() -> None:
    v = only(_last([("client", INIT), ("client", SUB)]))
    assert v.close_code == GraphQLCloseCode.UNAUTHORIZED and v.section == "graphql-ws PROTOCOL.md: Subscribe"


def test_a_running_id_reused_closes_with_4409() -> None:
    d = _last([("client", INIT), ("server", ACK), ("client", SUB), ("client", SUB)])
    v = only(d)
    assert v.close_code == 4409 and v.rule == "subscriber for '1' already exists" and spanned(d, v) == b'"1"'


def test_a_result_before_the_ack_is_a_bad_response() -> None:
    d = _last([("client", INIT), ("server", '{"id":"1","type":"next","payload":{}}')])
    v = only(d)
    assert v.close_code == 4004 and v.section.endswith("ConnectionAck")
    assert (
        rules(run(GraphQLTransportWsConversation(), [("client", INIT), ("server", '{"type":"ping"}')])) == []
    )


def test_an_ack_nobody_asked_for() -> None:
    v = only(_last([("server", ACK)]))
    assert v.rule == "connection_ack without a connection_init" and v.close_code is None


def test_a_legacy_message_names_the_clash() -> None:
    d = _last(
        [("client", INIT), ("server", ACK), ("client", '{"id":"1","type":"start","payload":{"query":"{a}"}}')]
    )
    v = only(d)
    assert "legacy graphql-ws protocol (subscriptions-transport-ws)" in v.rule and v.close_code == 4400
    assert spanned(d, v) == b'"start"'


def test_every_close_code_has_its_meaning() -> None:
    for code in (4400, 4401, 4403, 4406, 4408, 4409, 4429, 4499, 4500, 4004, 4005, 4504):
        assert close_code_meaning(code), code
    assert "graphql-ws" in (close_code_meaning(4406) or "")
    assert close_code_meaning(1000) is None
    assert GraphQLTransportWsConversation().close_meaning(4408) == close_code_meaning(4408)


def test_the_clash_note_says_where_the_name_bites() -> None:
    old_only = clash_note(["graphql-ws"], None)
    assert old_only is not None and "4406" in old_only
    new_only = clash_note(["graphql-transport-ws"], None)
    assert new_only is not None and "1002" in new_only
    both = clash_note(["graphql-transport-ws", "graphql-ws"], "graphql-ws")
    assert both is not None and "start/data/stop" in both
    assert clash_note(["graphql-transport-ws"], "graphql-transport-ws") is None
    assert clash_note(["mqtt"], None) is None
