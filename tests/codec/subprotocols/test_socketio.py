"""Socket.IO v5 over Engine.IO v4: namespaces, events, acknowledgements, binary attachments."""

from __future__ import annotations

from wsexplorer.codec.subprotocols import DecodedMessage, conversation
from wsexplorer.codec.subprotocols.socketio import SocketIOConversation

from .samples import Messages, field, only, rules, run, spanned

# The WebSocket part of the sample session of the Socket.IO v5 protocol document.
SAMPLE: Messages = [
    ("client", "2probe"),
    ("server", "3probe"),
    ("client", "5"),
    ("client", "40"),
    ("server", '40{"sid":"wZX3oN0bSVIhsaknAAAI"}'),
    ("client", '42["hello"]'),
    ("client", '42["world"]'),
    ("client", "40/admin,"),
    ("server", '40/admin,{"sid":"-G5j-67EZFp-q59rADQM"}'),
    ("client", '42/admin,1["tellme"]'),
    ("server", '461-/admin,1[{"_placeholder":true,"num":0}]'),
    ("server", b"\x01\x02\x03"),
    ("server", "2"),
    ("client", "3"),
    ("client", '421["ask",{"n":1}]'),
    ("server", "431[]"),
    ("server", '452-["upload",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]'),
    ("client", '42["meanwhile, the client may speak"]'),
    ("server", b"\xaa"),
    ("server", b"\xbb"),
    ("client", "41/admin,"),
    ("client", "1"),
]


OPEN = '0{"sid":"e","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}'


def _last(messages: Messages) -> DecodedMessage:
    """The last message decoded after the Engine.IO handshake (a WebSocket-only session) and ``messages``."""
    return run(SocketIOConversation(), [("server", OPEN), *messages])[-1]


def test_the_sample_session_breaks_no_rule() -> None:
    conv = SocketIOConversation()
    decoded = run(conv, SAMPLE)
    assert rules(decoded) == []
    kinds = [d.kind for d in decoded]
    assert kinds[3:6] == ["CONNECT", "CONNECT", "EVENT"]
    assert kinds[10:12] == ["BINARY_ACK", "attachment 1 of 1"]
    assert kinds[16:20] == ["BINARY_EVENT", "EVENT", "attachment 1 of 2", "attachment 2 of 2"]
    assert kinds[12:14] == ["ping", "pong"]  # Engine.IO heartbeat, shown apart from WebSocket pings
    assert conv.state.endswith("namespaces connected: /")


def test_fields_follow_the_packet_encoding() -> None:
    d = run(SocketIOConversation(), SAMPLE)[10]
    by_name = {f.name: f for f in d.fields}
    assert by_name["packet type"].raw == b"4" and by_name["Socket.IO packet type"].raw == b"6"
    assert by_name["attachments"].raw == b"1-" and by_name["attachments"].value == 1
    assert by_name["namespace"].raw == b"/admin" and by_name["namespace end"].raw == b","
    assert by_name["ack id"].raw == b"1" and by_name["ack id"].value == 1
    assert by_name["/0"].meaning == "placeholder for binary attachment #0"
    assert d.attributes["namespace"] == "/admin" and d.headline == "/admin ack=1 +1 attachment(s)"
    event = run(SocketIOConversation(), SAMPLE)[5]
    assert field(event, "/0") == "hello" and event.headline == "'hello'"


def test_an_event_before_connect_breaks_the_namespace_rule() -> None:
    d = _last([("client", '42["early"]')])
    v = only(d)
    assert v.rule == "EVENT on namespace '/' before it is connected (CONNECT, then the server's CONNECT)"
    assert v.section == "Socket.IO v5 protocol: Connection to a namespace" and spanned(d, v) == b"2"


def test_the_servers_connect_carries_the_sid_and_answers_a_request() -> None:
    v = only(_last([("client", "40"), ("server", "40")]))
    assert "session id" in v.rule and v.section.endswith("Connection to a namespace")
    v = only(_last([("server", '40/x,{"sid":"a"}')]))
    assert v.rule == "the server accepts namespace '/x' that the client did not ask for"


def test_payload_shapes() -> None:
    connected: Messages = [("client", "40"), ("server", '40{"sid":"s"}')]
    d = _last([*connected, ("client", "42[]")])
    v = only(d)
    assert "non-empty array" in v.rule and v.section == "Socket.IO v5 protocol: Sending and receiving data"
    assert spanned(d, v) == b"[]"
    assert "reserved" in only(_last([*connected, ("client", '42["connect"]')])).rule
    assert "must be absent" in only(_last([*connected, ("client", '41{"a":1}')])).rule
    assert "not JSON" in only(_last([*connected, ("client", "42[oops")])).rule


def test_acknowledgements_answer_an_event_that_asked() -> None:
    connected: Messages = [("client", "40"), ("server", '40{"sid":"s"}')]
    d = _last([*connected, ("server", '437["late"]')])
    v = only(d)
    assert v.rule == "ACK for id 7 on '/': no event asked for it" and spanned(d, v) == b"7"
    assert v.section == "Socket.IO v5 protocol: Acknowledgement"
    assert only(_last([*connected, ("server", "43[]")])).rule == "ACK without an ack id"
    # the ack must come from the other side: the asker cannot answer itself
    assert "no event asked" in only(_last([*connected, ("client", '421["a"]'), ("client", "431[]")])).rule


def test_attachments_follow_as_binary_messages_from_the_same_sender() -> None:
    connected: Messages = [("client", "40"), ("server", '40{"sid":"s"}')]
    d = _last([*connected, ("client", '451-["up",{"_placeholder":true,"num":0}]'), ("client", '42["x"]')])
    assert "still due" in only(d).rule
    d = _last([*connected, ("client", b"\x00")])
    v = only(d)
    assert v.rule == "a binary message that no BINARY_EVENT or BINARY_ACK announced" and v.field == "data"
    d = _last([*connected, ("client", '452-["up",{"_placeholder":true,"num":0}]')])
    assert only(d).rule == "2 attachment(s) announced but the payload's placeholders number 1"
    assert "attachment count" in only(_last([*connected, ("client", '45["up"]')])).rule


def test_socket_io_packets_are_engine_io_messages() -> None:
    d = _last([("client", "4")])
    assert only(d).rule == "an Engine.IO message with no Socket.IO packet in it"
    d = _last([("client", "48")])
    assert only(d).rule == "Socket.IO packet type '8' is not one of 0-6" and only(d).start == 1
    d = _last([("client", "40"), ("server", '40{"sid":"s"}'), ("client", "4212345678901234567890[1]")])
    assert only(d).rule == "an ack id of 20 digits"


def test_connect_error_is_the_servers() -> None:
    d = _last([("client", "40"), ("server", '44{"message":"Not authorized"}')])
    assert d.violations == () and d.kind == "CONNECT_ERROR"
    assert "server only" in only(_last([("client", '44{"message":"x"}')])).rule


def test_socket_io_is_chosen_explicitly() -> None:
    assert conversation("socket.io") is None
    assert isinstance(conversation(None, choice="socket.io"), SocketIOConversation)
