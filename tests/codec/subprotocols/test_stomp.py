"""STOMP over WebSocket: frames and heart-beats as a stream, and what may come when (STOMP 1.2)."""

from __future__ import annotations

from wsexplorer.codec.subprotocols import conversation
from wsexplorer.codec.subprotocols.base import Piece
from wsexplorer.codec.subprotocols.stomp import StompConversation

from .samples import Messages, only, rules, run, spanned

CONNECT = "CONNECT\naccept-version:1.1,1.2\nhost:stomp.example.org\nheart-beat:10000,10000\n\n\x00"
CONNECTED = "CONNECTED\nversion:1.2\nheart-beat:10000,10000\nserver:test/1.0\n\n\x00"
SUBSCRIBE = "SUBSCRIBE\nid:sub-0\ndestination:/queue/a\nack:client-individual\n\n\x00"
VALID: Messages = [
    ("client", CONNECT),
    ("server", CONNECTED),
    ("client", SUBSCRIBE),
    ("client", "BEGIN\ntransaction:tx1\n\n\x00"),
    ("client", "SEND\ndestination:/queue/a\ntransaction:tx1\ncontent-type:text/plain\n\nhello\x00"),
    ("client", "COMMIT\ntransaction:tx1\nreceipt:r-1\n\n\x00"),
    ("server", "RECEIPT\nreceipt-id:r-1\n\n\x00"),
    ("server", "MESSAGE\nsubscription:sub-0\nmessage-id:007\ndestination:/queue/a\nack:a-7\n\nhello\x00"),
    ("client", "ACK\nid:a-7\n\n\x00"),
    ("client", "\n"),
    ("server", "\r\n"),
    ("client", "UNSUBSCRIBE\nid:sub-0\n\n\x00"),
    ("client", "DISCONNECT\nreceipt:r-2\n\n\x00"),
    ("server", "RECEIPT\nreceipt-id:r-2\n\n\x00"),
]


def test_a_valid_conversation_breaks_no_rule() -> None:
    conv = StompConversation()
    decoded = run(conv, VALID)
    assert rules(decoded) == []
    kinds = [d.kind for d in decoded]
    assert kinds[:3] == ["CONNECT", "CONNECTED", "SUBSCRIBE"] and kinds[9:11] == ["heart-beat", "heart-beat"]
    beat = decoded[9].fields[0]
    assert "not a WebSocket ping frame" in beat.meaning and beat.rfc_ref == "STOMP 1.2: Heart-beating"
    assert conv.state == "closed"


def test_frames_need_not_line_up_with_messages() -> None:
    conv = StompConversation()
    both = conv.receive(CONNECT + "SEND\ndestination:/a\n\nhel", "client")
    assert [d.kind for d in both] == ["CONNECT"]
    [send, beat] = conv.receive("lo\x00\n\n", "client")
    assert send.kind == "SEND" and send.value == b"hello"
    assert send.pieces == (Piece(0, len(CONNECT), len(CONNECT) + 24), Piece(1, 0, 3))
    assert beat.kind == "heart-beat" and beat.headline == "2 EOL(s)"


def test_a_body_with_content_length_may_hold_nul() -> None:
    [d] = StompConversation(version="1.2").receive(
        b"SEND\ndestination:/a\ncontent-length:3\n\na\x00b\x00", "client"
    )
    assert d.value == b"a\x00b" and [f.name for f in d.fields][-1] == "NUL"


def test_a_cr_lf_heart_beat_cut_between_messages() -> None:
    conv = StompConversation()
    assert conv.receive("\r", "server") == []
    [beat] = conv.receive("\n", "server")
    assert bytes(beat) == b"\r\n"


def test_a_frame_without_end_is_bounded() -> None:
    conv = StompConversation(max_frame_size=64)
    conv.receive("SEND\ndestination:/a\n\n" + "x" * 40, "client")
    [d] = conv.receive("x" * 40, "client")
    assert d.kind == "not decoded" and "more than 64 octets" in only(d).rule
    assert conv.receive("SEND\n\n\x00", "client")[0].kind == "unreadable"
    [cut] = run(StompConversation(), [("client", "SEND\ndestination:/a\n\nxy")])
    assert cut.kind == "incomplete" and "ended inside a frame" in only(cut).rule


def test_connect_comes_first_and_connected_answers_it() -> None:
    d = run(StompConversation(), [("client", "SEND\ndestination:/a\n\n\x00")])[-1]
    v = only(d)
    assert v.rule == "the client's first frame must be CONNECT or STOMP, not SEND"
    assert v.section == "STOMP 1.2: Connecting" and spanned(d, v) == b"SEND"
    d = run(StompConversation(), [("client", CONNECT), ("server", "RECEIPT\nreceipt-id:x\n\n\x00")])[-1]
    assert "answers CONNECT with CONNECTED or ERROR" in rules([d])[0]
    d = run(StompConversation(), [("client", CONNECT), ("client", CONNECT)])[-1]
    assert rules([d]) == ["a second CONNECT"]
    d = run(StompConversation(), [("server", CONNECTED.replace("CONNECTED", "SEND"))])[-1]
    assert "SEND is a client frame" in rules([d])


def test_the_server_chooses_a_version_the_client_accepts() -> None:
    d = run(StompConversation(), [("client", CONNECT), ("server", "CONNECTED\nversion:1.0\n\n\x00")])[-1]
    v = only(d)
    assert v.rule == "the server chose version '1.0', which the client did not accept (1.1,1.2)"
    assert v.section == "STOMP 1.0: Protocol Negotiation" and spanned(d, v) == b"version:1.0"
    conv = StompConversation()
    run(conv, [("client", CONNECT), ("server", CONNECTED.replace("1.2", "1.1"))])
    assert conv.version == "1.1"


def test_references_must_exist() -> None:
    start: Messages = [("client", CONNECT), ("server", CONNECTED)]
    cases = {
        "RECEIPT\nreceipt-id:nope\n\n\x00": "RECEIPT for 'nope', which no frame asked for",
        "MESSAGE\nsubscription:9\nmessage-id:1\ndestination:/a\n\n\x00": (
            "MESSAGE for subscription '9', which does not exist"
        ),
    }
    for frame, rule in cases.items():
        assert rules(run(StompConversation(), [*start, ("server", frame)])[2:]) == [rule]
    client_cases = {
        "UNSUBSCRIBE\nid:9\n\n\x00": "UNSUBSCRIBE for subscription '9', which does not exist",
        "ACK\nid:m-1\n\n\x00": "ACK id 'm-1' matches no MESSAGE awaiting acknowledgement",
        "COMMIT\ntransaction:t9\n\n\x00": "COMMIT for transaction 't9', which was not begun",
        "SEND\ndestination:/a\ntransaction:t9\n\n\x00": "SEND for transaction 't9', which was not begun",
    }
    for frame, rule in client_cases.items():
        assert rules(run(StompConversation(), [*start, ("client", frame)])[2:]) == [rule]
    twice = run(StompConversation(), [*start, ("client", SUBSCRIBE), ("client", SUBSCRIBE)])[-1]
    assert rules([twice]) == ["subscription id 'sub-0' is already in use"]
    no_ack = "MESSAGE\nsubscription:sub-0\nmessage-id:1\ndestination:/a\n\n\x00"
    d = run(StompConversation(), [*start, ("client", SUBSCRIBE), ("server", no_ack)])[-1]
    assert rules([d]) == ["MESSAGE for a subscription in 'client-individual' mode needs an 'ack' header"]


def test_nothing_after_error_or_disconnect() -> None:
    d = run(
        StompConversation(),
        [("client", CONNECT), ("server", "ERROR\nmessage:no\n\n\x00"), ("server", CONNECTED)],
    )
    assert rules(d) == ["CONNECTED after ERROR: the server closes the connection after an ERROR"]
    d = run(
        StompConversation(), [("client", CONNECT), ("client", "DISCONNECT\n\n\x00"), ("client", SUBSCRIBE)]
    )
    assert rules(d) == ["SUBSCRIBE after DISCONNECT"]


def test_the_negotiated_names() -> None:
    for name, version in (("v10.stomp", "1.0"), ("v11.stomp", "1.1"), ("v12.stomp", "1.2"), ("stomp", "1.2")):
        conv = conversation(name)
        assert isinstance(conv, StompConversation) and conv.version == version


def test_a_10_client_omits_accept_version() -> None:
    connect_10 = "CONNECT\nlogin:guest\npasscode:guest\n\n\x00"
    assert rules(run(StompConversation(), [("client", connect_10)])) == []  # "stomp": nothing negotiated
    [d] = run(StompConversation(version="1.2"), [("client", connect_10)])  # "v12.stomp" was negotiated
    assert rules([d]) == ["CONNECT needs the 'accept-version' header", "CONNECT needs the 'host' header"]
