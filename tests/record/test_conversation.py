"""A connection's conversation as entries: messages as received, control frames, shapes, times."""

from __future__ import annotations

import itertools

import pytest

from wsexplorer.codec.frames import Frame
from wsexplorer.protocol.connection import Connection
from wsexplorer.record.conversation import Conversation, FrameShape
from wsexplorer.record.har import message_log
from wsexplorer.record.loopback import Loopback
from wsexplorer.record.session import C2S, S2C, Session


def talk(*, deflate: bool = True, step_ns: int = 1_000_000) -> Session:
    """A small conversation, 1 ms per recorded chunk."""
    ext = ["permessage-deflate"] if deflate else []
    client = Connection("client", url="ws://x/", extensions=ext)
    server = Connection("server", extensions=ext)
    clock = itertools.count(step_ns, step_ns)
    loop = Loopback(client, server, clock=clock.__next__)
    loop.pump()
    client.send_text("hello " * 10, fragment_size=4)
    loop.pump()
    server.send_text("HELLO")
    server.send_binary(b"\x00\x01")
    loop.pump()
    client.send_ping(b"p")
    loop.pump()
    client.send_close(1000, "bye")
    loop.pump()
    return loop.session


def test_entries_of_a_session() -> None:
    conv = Conversation.of(talk())
    up, down = conv.entries
    assert [e.kind for e in up] == ["text", "ping", "close"]
    assert [e.kind for e in down] == ["text", "binary", "pong", "close"]
    hello = up[0]
    assert hello.size == 60 and hello.compressed and len(hello.frames) > 1
    assert hello.frames[0].rsv1 and all(f.masked for f in hello.frames)
    assert isinstance(hello.frames[0], FrameShape) and hello.frames[-1].fin
    assert conv.payload(hello) == b"hello " * 10
    assert conv.payload(up[1]) == b"p"
    assert (up[2].close_code, up[2].close_reason) == (1000, "bye")
    assert down[-1].preview() == "1000"
    assert conv.status == 101 and conv.extensions == ("permessage-deflate",) and conv.has_frames


def test_positions_times_and_answers_before() -> None:
    conv = Conversation.of(talk())
    up, down = conv.entries
    assert [e.position for e in up] == [0, 1, 2]
    assert [e.answers_before for e in up] == [0, 2, 3]  # the ping came after HELLO and the binary
    assert [e.answers_before for e in down] == [1, 1, 2, 3]
    assert all(e.after_s > 0 for e in up + down)
    assert down[0].after_s == pytest.approx(0.001)  # one chunk (1 ms) after the client's message
    assert conv.start_ns == 2_000_000  # the handshake's answer


def test_a_har_log_has_messages_only() -> None:
    session = talk()
    log = message_log(session)
    conv = Conversation.of(log)
    assert not conv.has_frames
    assert [e.kind for e in conv.entries[C2S]] == ["text"]
    assert [e.kind for e in conv.entries[S2C]] == ["text", "binary"]
    assert conv.entries[C2S][0].frames == () and conv.entries[C2S][0].compressed is None
    assert conv.payload(conv.entries[S2C][1]) == b"\x00\x01"


def test_a_capture_like_object_gives_its_session() -> None:
    class Capture:
        session = talk(deflate=False)

    conv = Conversation.of(Capture())
    assert [e.kind for e in conv.entries[S2C]][:2] == ["text", "binary"]
    assert Conversation.of(conv) is conv
    with pytest.raises(TypeError):
        Conversation.of(object())


def test_frames_a_receiver_never_read_are_left_out() -> None:
    session = Session("server", handshake=False)
    session.record(C2S, bytes(Frame.text("ok", mask=b"abcd")), 1)
    session.record(C2S, bytes(Frame.build(0x3, b"bad", mask=b"abcd")), 2)  # fails the connection
    session.record(C2S, bytes(Frame.ping(b"late", mask=b"abcd")), 3)
    conv = Conversation.of(session)
    assert [e.kind for e in conv.entries[C2S]] == ["text"]


def test_long_payloads_keep_a_head_and_a_digest() -> None:
    client = Connection("client", url="ws://x/")
    server = Connection("server")
    loop = Loopback(client, server)
    loop.pump()
    client.send_binary(bytes(100_000))
    loop.pump()
    (entry,) = Conversation.of(loop.session).entries[C2S]
    assert entry.size == 100_000 and len(entry.head) == 256 and len(entry.digest) == 16
    assert entry.preview().endswith("…")
