"""The sans-I/O connection: handshake, messages, fragmentation, limits, close handshake, failures."""

from __future__ import annotations

import itertools
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsexplorer.codec.extensions import PerMessageDeflate
from wsexplorer.codec.frame_header import Opcode
from wsexplorer.codec.frame_parser import FrameParser
from wsexplorer.codec.frames import Frame
from wsexplorer.codec.server_decision import ServerPolicy
from wsexplorer.errors import InvalidState
from wsexplorer.protocol.connection import Connection
from wsexplorer.protocol.events import (
    BinaryMessage,
    CloseReceived,
    ConnectionEnded,
    ConnectionFailed,
    Event,
    FrameReceived,
    HandshakeAccepted,
    HandshakeFailed,
    Ping,
    Pong,
    RequestReceived,
    TextMessage,
)
from wsexplorer.protocol.states import State

KEY = b"\x00\x00\x00\x00"


def counter_rng() -> object:
    c = itertools.count()
    return lambda n: bytes((next(c) + i) % 256 for i in range(n))


def server(**kw: object) -> Connection:
    return Connection("server", opened=True, **kw)  # type: ignore[arg-type]


def client(**kw: object) -> Connection:
    return Connection("client", opened=True, **kw)  # type: ignore[arg-type]


def kinds(events: list[Event]) -> list[str]:
    return [type(e).__name__ for e in events if not isinstance(e, FrameReceived)]


def failure(events: list[Event]) -> ConnectionFailed:
    (failed,) = [e for e in events if isinstance(e, ConnectionFailed)]
    return failed


def sent_frames(conn: Connection) -> list[Frame]:
    return FrameParser().feed(conn.data_to_send())


def pump(a: Connection, b: Connection) -> tuple[list[Event], list[Event]]:
    """Exchange bytes until both are quiet; return the events of each."""
    ea: list[Event] = []
    eb: list[Event] = []
    for _ in range(10):
        out_a, out_b = a.data_to_send(), b.data_to_send()
        if not out_a and not out_b:
            break
        if out_a:
            b.receive_data(out_a)
        if out_b:
            a.receive_data(out_b)
        ea += a.events()
        eb += b.events()
    return ea, eb


# -- opening handshake ------------------------------------------------------------------------------


def test_handshake_between_our_client_and_server() -> None:
    c = Connection(
        "client",
        url="ws://example.com/chat",
        subprotocols=["chat", "superchat"],
        origin="http://example.com",
        rng=counter_rng(),
    )  # type: ignore[arg-type]
    s = Connection("server", policy=ServerPolicy(subprotocols=["superchat", "chat"]))
    assert c.state is State.CONNECTING
    ec, es = pump(c, s)
    assert kinds(es) == ["RequestReceived", "HandshakeAccepted"]
    assert kinds(ec) == ["HandshakeAccepted"]
    assert c.state is s.state is State.OPEN
    assert c.subprotocol == s.subprotocol == "superchat"
    received = next(e for e in es if isinstance(e, RequestReceived))
    assert received.decision.status == 101
    c.send_text("Hello")
    _, es = pump(c, s)
    assert [e.data for e in es if isinstance(e, TextMessage)] == ["Hello"]


def test_permessage_deflate_negotiated_and_used() -> None:
    c = Connection("client", url="ws://h/", extensions=["permessage-deflate"])
    s = Connection("server", policy=ServerPolicy(extensions=[PerMessageDeflate()]))
    pump(c, s)
    assert c.negotiated and s.negotiated
    text = "compress me " * 100
    c.send_text(text)
    wire = c.data_to_send()
    frame = FrameParser().feed(wire)[0]
    assert frame.rsv1 and frame.payload_length < len(text)
    s.receive_data(wire)
    events = s.events()
    (fr,) = [e for e in events if isinstance(e, FrameReceived)]
    assert fr.frame.rsv1  # the frame event carries the wire (compressed) payload
    (msg,) = [e for e in events if isinstance(e, TextMessage)]
    assert msg.data == text and msg.message.compressed and msg.message.wire_size < len(text)
    s.send_binary(b"\x00" * 5000)
    ec, _ = pump(c, s)
    assert [e.data for e in ec if isinstance(e, BinaryMessage)] == [b"\x00" * 5000]


def test_server_refusal_403_and_client_sees_it() -> None:
    c = Connection("client", url="ws://h/", origin="http://evil.example")
    s = Connection("server", policy=ServerPolicy(origins=["http://good.example"]))
    ec, es = pump(c, s)
    assert s.state is State.CLOSED and c.state is State.CLOSED
    (srv_fail,) = [e for e in es if isinstance(e, HandshakeFailed)]
    assert srv_fail.error.http_status == 403
    (cli_fail,) = [e for e in ec if isinstance(e, HandshakeFailed)]
    assert cli_fail.response is not None and cli_fail.response.status == 403
    assert "403" in str(cli_fail.error)


def test_client_rejects_wrong_accept() -> None:
    c = Connection("client", url="ws://h/", rng=counter_rng())  # type: ignore[arg-type]
    c.data_to_send()
    c.receive_data(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
    )
    (failed,) = [e for e in c.events() if isinstance(e, HandshakeFailed)]
    assert "fail the WebSocket connection" in str(failed.error) and "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in str(
        failed.error
    )
    assert c.state is State.CLOSED


def test_frames_right_after_the_response_are_processed() -> None:
    c = Connection("client", url="ws://h/")
    s = Connection("server")
    s.receive_data(c.data_to_send())
    s.send_text("early")
    c.receive_data(s.data_to_send())  # response and frame in one chunk
    events = c.events()
    assert kinds(events) == ["HandshakeAccepted", "TextMessage"]
    (fr,) = [e for e in events if isinstance(e, FrameReceived)]
    assert fr.offset == len(bytes(s.response))  # type: ignore[arg-type]


def test_handshake_split_byte_by_byte() -> None:
    c = Connection("client", url="ws://h/")
    s = Connection("server")
    request = c.data_to_send()
    for i in range(len(request)):
        s.receive_data(request[i : i + 1])
    assert s.state is State.OPEN


def test_eof_during_handshake() -> None:
    s = Connection("server")
    s.receive_data(b"GET / HTTP/1.1\r\n")
    s.receive_data(b"")
    (failed,) = [e for e in s.events() if isinstance(e, HandshakeFailed)]
    assert "before the opening handshake completed" in str(failed.error)
    assert s.state is State.CLOSED


# -- messages and fragmentation ------------------------------------------------------------------------


def test_rfc_fragmented_text_with_interleaved_ping() -> None:
    s = server()
    stream = (
        bytes(Frame.text("Hel", fin=False, mask=KEY))
        + bytes(Frame.ping(b"p", mask=KEY))
        + bytes(Frame.continuation("lo", mask=KEY))
    )
    s.receive_data(stream)
    events = s.events()
    assert kinds(events) == ["Ping", "TextMessage"]
    assert [e.data for e in events if isinstance(e, TextMessage)] == ["Hello"]
    (pong,) = sent_frames(s)
    assert pong.opcode == Opcode.PONG and pong.payload == b"p" and not pong.masked
    offsets = [e.offset for e in events if isinstance(e, FrameReceived)]
    assert offsets == [0, 9, 16]


def test_client_masks_server_does_not() -> None:
    c, s = client(rng=counter_rng()), server()
    c.send_text("x")
    s.send_text("x")
    assert sent_frames(c)[0].masked and not sent_frames(s)[0].masked


def test_send_fragmented() -> None:
    c, s = client(), server()
    c.send_text("abcdefghij", fragment_size=3)
    frames = FrameParser().feed(wire := c.data_to_send())
    assert [f.opcode for f in frames] == [Opcode.TEXT] + [Opcode.CONTINUATION] * 3
    assert [f.fin for f in frames] == [False, False, False, True]
    s.receive_data(wire)
    assert [e.data for e in s.events() if isinstance(e, TextMessage)] == ["abcdefghij"]


def test_pong_event() -> None:
    c = client()
    c.receive_data(bytes(Frame.pong(b"hb")))
    assert [e.payload for e in c.events() if isinstance(e, Pong)] == [b"hb"]
    assert c.data_to_send() == b""


@pytest.mark.parametrize(
    ("frames", "code", "section", "offset", "words"),
    [
        (
            [Frame.continuation("x", mask=KEY)],
            1002,
            "RFC 6455 §5.4",
            0,
            "continuation frame without",
        ),
        (
            [Frame.text("a", fin=False, mask=KEY), Frame.text("b", mask=KEY)],
            1002,
            "RFC 6455 §5.4",
            7,
            "while a fragmented message",
        ),
        ([Frame.text("x")], 1002, "RFC 6455 §5.1", 1, "must mask"),
        ([Frame.build(0x3, b"", mask=KEY)], 1002, "RFC 6455 §5.2", 0, "reserved opcode 0x3"),
        ([Frame.build(1, b"x", rsv2=True, mask=KEY)], 1002, "RFC 6455 §5.2", 0, "RSV2"),
        ([Frame.build(1, b"x", rsv1=True, mask=KEY)], 1002, "RFC 6455 §5.2", 0, "RSV1"),
        ([Frame.build(9, b"x" * 126, mask=KEY)], 1002, "RFC 6455 §5.5", 1, "exceeds 125"),
        (
            [Frame.build(9, b"", fin=False, mask=KEY)],
            1002,
            "RFC 6455 §5.5",
            0,
            "must not be fragmented",
        ),
        ([Frame.text("x", length_form="16-bit", mask=KEY)], 1002, "RFC 6455 §5.2", 1, "minimal"),
        ([Frame.build(1, b"ok\xff", mask=KEY)], 1007, "RFC 6455 §8.1", 8, "invalid UTF-8"),
        ([Frame.build(8, b"\x03", mask=KEY)], 1002, "RFC 6455 §5.5.1", 6, "1 byte"),
        ([Frame.build(8, b"\x03\xed", mask=KEY)], 1002, "RFC 6455 §7.4.1", 6, "1005"),
        ([Frame.build(8, b"\x03\xe8\xff", mask=KEY)], 1007, "RFC 6455 §5.5.1", 8, "close reason"),
    ],
)
def test_protocol_errors_fail_with_code_section_offset(
    frames: list[Frame], code: int, section: str, offset: int, words: str
) -> None:
    s = server()
    s.receive_data(b"".join(bytes(f) for f in frames))
    error = failure(s.events()).error
    assert error.close_code == code
    assert error.section == section
    assert error.offset == offset
    assert words in str(error)
    assert f"at byte {offset}" in str(error)
    (close,) = sent_frames(s)
    assert close.close_code == code
    # After failing, nothing more is processed.
    s.receive_data(bytes(Frame.text("more", mask=KEY)))
    assert kinds(s.events()) == []


def test_utf8_fails_at_first_invalid_byte_not_at_end() -> None:
    s = server()
    s.receive_data(bytes(Frame.text(b"valid", fin=False, mask=KEY)))
    s.receive_data(bytes(Frame.continuation(b"\xff and more", fin=False, mask=KEY)))
    error = failure(s.events()).error
    assert error.close_code == 1007
    assert error.offset == 11 + 6  # second frame starts at 11; its payload 6 bytes later


def test_utf8_character_split_across_fragments_is_fine() -> None:
    s = server()
    raw = "é€😀".encode()
    for i, b in enumerate(raw):
        op = Opcode.TEXT if i == 0 else Opcode.CONTINUATION
        s.receive_data(bytes(Frame.build(op, bytes([b]), fin=i == len(raw) - 1, mask=KEY)))
    assert [e.data for e in s.events() if isinstance(e, TextMessage)] == ["é€😀"]


# -- limits ------------------------------------------------------------------------------------------


def test_max_message_size_is_inclusive() -> None:
    s = server(max_message_size=100)
    s.receive_data(bytes(Frame.binary(b"x" * 100, mask=KEY)))
    assert kinds(s.events()) == ["BinaryMessage"]


def test_oversized_frame_refused_at_header_before_payload() -> None:
    s = server(max_message_size=100)
    header = bytes(Frame.binary(b"x" * 101, mask=KEY))[:8]
    s.receive_data(header)
    error = failure(s.events()).error
    assert error.close_code == 1009 and error.offset == 0
    assert "before buffering" in str(error)


def test_fragments_adding_up_past_the_limit() -> None:
    s = server(max_message_size=100)
    s.receive_data(bytes(Frame.binary(b"x" * 60, fin=False, mask=KEY)))
    s.receive_data(bytes(Frame.continuation(b"x" * 41, mask=KEY))[:8])  # only the header
    error = failure(s.events()).error
    assert error.close_code == 1009 and error.offset == 66
    assert "101 bytes" in str(error)


def test_fragment_count_is_bounded() -> None:
    s = server(max_message_size=3)
    s.receive_data(bytes(Frame.binary(b"", fin=False, mask=KEY)))
    s.receive_data(bytes(Frame.continuation(b"", fin=False, mask=KEY)) * 3)
    assert failure(s.events()).error.close_code == 1009


def test_decompression_bomb_fails_1009() -> None:
    c = Connection("client", url="ws://h/", extensions=["permessage-deflate"], max_message_size=1 << 20)
    s = Connection("server", policy=ServerPolicy(extensions=[PerMessageDeflate()]))
    pump(c, s)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    bomb = comp.compress(b"\x00" * (64 << 20)) + comp.flush(zlib.Z_SYNC_FLUSH)
    assert len(bomb) < 100_000
    c.receive_data(bytes(Frame.build(Opcode.BINARY, bomb[:-4], rsv1=True)))
    error = failure(c.events()).error
    assert error.close_code == 1009


def test_64_bit_length_top_bit_fails_1002_at_header() -> None:
    s = server(max_message_size=None)
    s.receive_data(bytes.fromhex("82ff8000000000000000") + KEY)
    error = failure(s.events()).error
    assert error.close_code == 1002 and error.offset == 2


# -- closing handshake -----------------------------------------------------------------------------------


def test_remote_close_is_echoed_then_eof_is_clean() -> None:
    s = server()
    s.receive_data(bytes(Frame.close(1001, "bye", mask=KEY)))
    assert kinds(s.events()) == ["CloseReceived"]
    (echo,) = sent_frames(s)
    assert echo.close_code == 1001
    assert s.state is State.CLOSING and s.close_expected  # the server closes TCP first
    s.receive_data(b"")
    (closed,) = [e for e in s.events() if isinstance(e, ConnectionEnded)]
    assert (closed.code, closed.reason, closed.closed_by, closed.clean) == (
        1001,
        "bye",
        "remote",
        True,
    )
    assert s.state is State.CLOSED


def test_local_close_then_peer_answer() -> None:
    c, s = Connection("client", url="ws://h/"), Connection("server")
    pump(c, s)
    c.send_close(1000, "done")
    assert c.state is State.CLOSING
    ec, es = pump(c, s)
    assert [(e.code, e.reason) for e in es if isinstance(e, CloseReceived)] == [(1000, "done")]
    assert [(e.code, e.reason) for e in ec if isinstance(e, CloseReceived)] == [(1000, "")]
    assert s.close_expected and not c.close_expected
    c.receive_data(b"")
    (closed,) = [e for e in c.events() if isinstance(e, ConnectionEnded)]
    assert closed.closed_by == "local" and closed.clean and closed.sent_code == 1000


def test_empty_close_means_1005_and_is_echoed_empty() -> None:
    s = server()
    s.receive_data(bytes(Frame.close(mask=KEY)))
    assert [e.code for e in s.events() if isinstance(e, CloseReceived)] == [1005]
    (echo,) = sent_frames(s)
    assert echo.payload == b""


def test_eof_without_close_is_1006() -> None:
    c = client()
    c.receive_data(b"")
    (closed,) = [e for e in c.events() if isinstance(e, ConnectionEnded)]
    assert closed.code == 1006 and not closed.clean and c.close_code == 1006


def test_eof_mid_frame_keeps_1006_and_says_so() -> None:
    c = client()
    c.receive_data(bytes(Frame.text("hello"))[:4])
    c.receive_data(b"")
    (closed,) = [e for e in c.events() if isinstance(e, ConnectionEnded)]
    assert closed.code == 1006
    assert c.failure is not None and "inside a frame" in str(c.failure)


@pytest.mark.parametrize("code", [1005, 1006, 1015, 999])
def test_reserved_codes_are_never_sent(code: int) -> None:
    c = client()
    with pytest.raises(InvalidState, match=str(code)):
        c.send_close(code)


def test_no_data_after_close_sent() -> None:
    c = client()
    c.send_close()
    with pytest.raises(InvalidState, match="after a close frame"):
        c.send_text("late")
    with pytest.raises(InvalidState, match="already sent"):
        c.send_close()


def test_send_frame_and_raw_bypass_validation() -> None:
    c = client()
    c.send_frame(Frame.build(0xB, b"bad"))  # reserved opcode, unmasked: sent as is
    c.send_raw(b"\xff\xff")
    assert c.data_to_send() == bytes(Frame.build(0xB, b"bad")) + b"\xff\xff"


def test_data_still_delivered_after_we_sent_close() -> None:
    c = client()
    c.send_close()
    c.receive_data(bytes(Frame.text("in flight")))
    assert [e.data for e in c.events() if isinstance(e, TextMessage)] == ["in flight"]


def test_no_pong_after_close_sent() -> None:
    c = client()
    c.send_close()
    c.data_to_send()
    c.receive_data(bytes(Frame.ping(b"x")))
    assert kinds(c.events()) == ["Ping"]
    assert c.data_to_send() == b""


# -- against the websockets package's sans-I/O protocol ----------------------------------------------------


def test_interop_with_websockets_server_protocol() -> None:
    from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory
    from websockets.server import ServerProtocol

    theirs = ServerProtocol(extensions=[ServerPerMessageDeflateFactory()])
    ours = Connection("client", url="ws://localhost/", extensions=["permessage-deflate"])
    theirs.receive_data(ours.data_to_send())
    (request,) = theirs.events_received()
    theirs.send_response(theirs.accept(request))
    ours.receive_data(b"".join(theirs.data_to_send()))
    assert kinds(ours.events()) == ["HandshakeAccepted"]
    assert ours.negotiated
    text = " ".join(str(i * 7919 % 1000) for i in range(400))
    ours.send_text(text, fragment_size=64)
    theirs.receive_data(ours.data_to_send())
    got = theirs.events_received()
    assert len(got) > 1
    assert b"".join(f.data for f in got) == text.encode()
    theirs.send_text(b"\xc3\xa9t\xc3\xa9")
    ours.receive_data(b"".join(theirs.data_to_send()))
    assert [e.data for e in ours.events() if isinstance(e, TextMessage)] == ["été"]


def test_interop_with_websockets_client_protocol() -> None:
    from websockets.client import ClientProtocol
    from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
    from websockets.uri import parse_uri

    theirs = ClientProtocol(parse_uri("ws://localhost/"), extensions=[ClientPerMessageDeflateFactory()])
    ours = Connection("server", policy=ServerPolicy(extensions=[PerMessageDeflate()]))
    theirs.send_request(theirs.connect())
    ours.receive_data(b"".join(theirs.data_to_send()))
    theirs.receive_data(ours.data_to_send())
    theirs.events_received()
    assert ours.state is State.OPEN and ours.negotiated
    theirs.send_text(("hello " * 300).encode())
    ours.receive_data(b"".join(theirs.data_to_send()))
    assert [e.data for e in ours.events() if isinstance(e, TextMessage)] == ["hello " * 300]
    ours.send_close(1000, "bye")
    theirs.receive_data(ours.data_to_send())
    theirs.events_received()
    ours.receive_data(b"".join(theirs.data_to_send()))
    assert [(e.code, e.reason) for e in ours.events() if isinstance(e, CloseReceived)] == [(1000, "bye")]


@settings(deadline=None, max_examples=100)
@given(
    st.lists(st.one_of(st.text(max_size=300), st.binary(max_size=300)), min_size=1, max_size=6),
    st.lists(st.integers(1, 50), max_size=40),
    st.booleans(),
)
def test_any_messages_any_cuts(messages: list[str | bytes], cuts: list[int], deflate: bool) -> None:
    exts = ["permessage-deflate"] if deflate else []
    c = Connection("client", url="ws://h/", extensions=exts)
    s = Connection("server", policy=ServerPolicy(extensions=[PerMessageDeflate()] if deflate else []))
    pump(c, s)
    for m in messages:
        c.send(m, fragment_size=37)
    wire = c.data_to_send()
    pos = 0
    for cut in cuts:
        s.receive_data(wire[pos : pos + cut])
        pos += cut
    s.receive_data(wire[pos:])
    got: list[str | bytes] = []
    for e in s.events():
        if isinstance(e, (TextMessage, BinaryMessage)):
            got.append(e.data)
    assert got == messages


def test_ping_event_payload() -> None:
    s = server()
    s.receive_data(bytes(Frame.ping(b"abc", mask=KEY)))
    assert [e.payload for e in s.events() if isinstance(e, Ping)] == [b"abc"]


def test_handshake_accepted_event_fields() -> None:
    c = Connection("client", url="ws://h/", subprotocols=["a"])
    s = Connection("server", policy=ServerPolicy(subprotocols=["a"]))
    ec, _ = pump(c, s)
    (acc,) = [e for e in ec if isinstance(e, HandshakeAccepted)]
    assert acc.subprotocol == "a" and acc.response.status == 101


@settings(deadline=None, max_examples=300)
@given(st.binary(max_size=300), st.sampled_from(["client", "server"]), st.booleans(), st.booleans())
def test_random_peer_bytes_never_raise(data: bytes, role: str, opened: bool, deflate: bool) -> None:
    """Whatever the peer sends becomes events (a failure with a close code at worst), never an exception."""
    if opened:
        conn = Connection(role, opened=True, max_message_size=64)  # type: ignore[arg-type]
        if deflate:
            c = Connection("client", url="ws://h/", extensions=["permessage-deflate"])
            s = Connection("server", policy=ServerPolicy(extensions=[PerMessageDeflate()]))
            pump(c, s)
            conn = c if role == "client" else s
    elif role == "server":
        conn = Connection("server")
    else:
        conn = Connection("client", url="ws://h/")
        conn.data_to_send()
    conn.receive_data(data)
    conn.receive_data(b"")
    for event in conn.events():
        if isinstance(event, ConnectionFailed):
            assert event.error.close_code in (1002, 1003, 1007, 1008, 1009, 1010, 1011)
            assert event.error.section
    assert conn.state is State.CLOSED
