"""The legacy graphql-ws of subscriptions-transport-ws, and the name clash with graphql-transport-ws."""

from __future__ import annotations

from wsexplorer.codec.subprotocols import DecodedMessage, conversation
from wsexplorer.codec.subprotocols.graphql_legacy import GraphQLWsConversation

from .samples import Messages, only, rules, run, spanned

VALID: Messages = [
    ("client", '{"type":"connection_init","payload":{"authToken":"x"}}'),
    ("server", '{"type":"connection_ack"}'),
    ("server", '{"type":"ka"}'),
    ("client", '{"id":"1","type":"start","payload":{"query":"subscription { onPost }","variables":{}}}'),
    ("server", '{"id":"1","type":"data","payload":{"data":{"onPost":"hi"}}}'),
    ("client", '{"id":"1","type":"stop"}'),
    ("server", '{"id":"1","type":"complete"}'),
    ("client", '{"id":"2","type":"start","payload":{"query":"{ x }"}}'),
    ("server", '{"id":"2","type":"error","payload":{"message":"Cannot query field x"}}'),
    ("client", '{"type":"connection_terminate"}'),
]


def _last(messages: Messages) -> DecodedMessage:
    return run(GraphQLWsConversation(), messages)[-1]


def test_a_valid_conversation_breaks_no_rule() -> None:
    conv = GraphQLWsConversation()
    decoded = run(conv, VALID)
    assert rules(decoded) == []
    assert [d.kind for d in decoded[:4]] == ["connection_init", "connection_ack", "ka", "start"]
    assert decoded[3].headline == "id='1' subscription { onPost }"
    assert "no running operation" in decoded[6].headline  # the stop already ended operation 1
    assert conv.state == "terminated"


def test_graphql_ws_is_negotiated_to_the_legacy_decoder() -> None:
    assert isinstance(conversation("graphql-ws"), GraphQLWsConversation)


def test_a_new_protocol_message_names_the_clash() -> None:
    d = _last([("client", '{"id":"1","type":"subscribe","payload":{"query":"{a}"}}')])
    v = only(d)
    assert "belongs to graphql-transport-ws" in v.rule and "equivalent is start" in v.rule
    assert v.section == "subscriptions-transport-ws PROTOCOL.md: Client-server communication"
    assert spanned(d, v) == b'"subscribe"' and v.close_code is None
    v = only(_last([("server", '{"id":"1","type":"next","payload":{}}')]))
    assert "equivalent is data" in v.rule


def test_invalid_messages_are_answered_not_closed() -> None:
    v = only(_last([("client", "{oops")]))
    assert "connection_error" in v.rule and v.close_code is None
    assert v.section == "subscriptions-transport-ws PROTOCOL.md: GQL_CONNECTION_ERROR"
    v = only(_last([("client", '{"type":"whatever"}')]))
    assert v.rule == "unknown type 'whatever' (the server answers with error)"


def test_message_rules_cite_their_constant() -> None:
    d = _last([("server", '{"type":"start","id":"1","payload":{"query":"{a}"}}')])
    v = only(d)
    assert v.rule == "'start' is sent by the client only" and v.section.endswith("GQL_START")
    v = only(_last([("client", '{"type":"start","payload":{"query":"{a}"}}')]))
    assert v.rule == "'start' needs a string 'id'" and v.field == "/id"
    d = _last([("client", '{"type":"start","id":"1","payload":{"variables":{}}}')])
    v = only(d)
    assert v.rule == "start payload needs a 'query'" and spanned(d, v) == b'{"variables":{}}'
    v = only(_last([("server", '{"type":"data","id":"1"}')]))
    assert v.rule == "'data' payload must be an object" and v.section.endswith("GQL_DATA")


def test_nothing_after_connection_terminate() -> None:
    d = _last([("client", '{"type":"connection_terminate"}'), ("client", '{"type":"connection_init"}')])
    assert only(d).rule == "'connection_init' after connection_terminate"


def test_a_restarted_id_is_noted_not_flagged() -> None:
    start = '{"id":"1","type":"start","payload":{"query":"{a}"}}'
    d = _last([("client", start), ("client", start)])
    assert d.violations == () and "replaces the running operation" in d.headline


def test_close_codes_of_a_legacy_server() -> None:
    conv = GraphQLWsConversation()
    assert "graphql-ws" in (conv.close_meaning(1002) or "")
    assert conv.close_meaning(4406) is not None and conv.close_meaning(4409) is None
