"""Sessions: every byte with time and direction; frames, messages and events rebuilt byte-exact."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsexplorer.codec.extensions import PerMessageDeflate
from wsexplorer.codec.frames import Frame
from wsexplorer.codec.server_decision import ServerPolicy
from wsexplorer.errors import SessionFormatError
from wsexplorer.protocol.connection import Connection
from wsexplorer.protocol.events import TextMessage
from wsexplorer.record.loopback import Loopback
from wsexplorer.record.session import C2S, S2C, Session


def Wire(deflate: bool = False) -> Loopback:
    """A client and a server in memory, recorded by the client (permessage-deflate if asked)."""
    exts = ["permessage-deflate"] if deflate else []
    return Loopback(
        Connection("client", url="ws://h/", extensions=exts),
        Connection("server", policy=ServerPolicy(extensions=[PerMessageDeflate()] if deflate else [])),
        session=Session("client", meta={"url": "ws://h/"}),
    )


def test_records_both_directions_byte_exact() -> None:
    w = Wire()
    w.pump()
    w.client.send_text("hello")
    w.client.send_ping(b"p1")
    w.pump()
    w.server.send_binary(b"\x00\x01")
    w.pump()
    w.client.send_close(1000, "bye")
    w.pump()
    s = w.session
    assert s.request is not None and s.response is not None and s.response.status == 101
    assert s.frame_count(C2S) == 3 and s.frame_count(S2C) == 3
    kinds = [(r.direction, r.frame.summary().split()[0]) for r in s.frames()]
    assert kinds == [
        (C2S, "TEXT"),
        (C2S, "PING"),
        (S2C, "PONG"),
        (S2C, "BINARY"),
        (C2S, "CLOSE"),
        (S2C, "CLOSE"),
    ]
    # Offsets count from the first byte of the TCP stream, handshake included.
    first = s.frame(C2S, 0)
    assert first.offset == len(bytes(s.request))
    assert s.stream(C2S)[first.offset : first.offset + len(first.frame)] == bytes(first.frame)
    summary = s.summary()
    assert summary.close_codes == {"client→server": 1000, "server→client": 1000}
    assert summary.closed_first_by == "client"
    assert summary.messages == {"client→server": 1, "server→client": 1}
    assert len(summary.ping_rtts_ns) == 1 and summary.ping_rtts_ns[0] > 0


def test_frame_times_first_byte_and_completion() -> None:
    s = Session("server", handshake=False)
    wire = bytes(Frame.text("abcdef", mask=b"\x01\x02\x03\x04"))
    s.record(C2S, wire[:3], 10)
    s.record(C2S, wire[3:], 20)
    s.record(C2S, wire, 30)
    (a, b) = list(s.frames(C2S))
    assert (a.t_first_ns, a.t_ns) == (10, 20)
    assert (b.t_first_ns, b.t_ns) == (30, 30)
    assert b.offset == len(wire)


def test_events_replayed_with_compression() -> None:
    w = Wire(deflate=True)
    w.pump()
    for i in range(5):
        w.client.send_text(f"message {i} " * 30)
    w.pump()
    events = w.session.events(C2S)
    texts = [e.data for e in events if isinstance(e, TextMessage)]
    assert texts == [f"message {i} " * 30 for i in range(5)]
    ratios = w.session.summary().compression_ratios["client→server"]
    assert len(ratios) == 5 and all(r < 0.5 for r in ratios)
    assert all(r.frame.rsv1 for r in w.session.frames(C2S))


def test_refused_handshake_body_is_not_frames() -> None:
    c = Connection("client", url="ws://h/", origin="http://evil")
    srv = Connection("server", policy=ServerPolicy(origins=["http://good"]))
    s = Session("client")
    out = c.data_to_send()
    s.sent(out, 1)
    srv.receive_data(out)
    s.received(srv.data_to_send(), 2)
    assert s.response is not None and s.response.status == 403
    assert s.frame_count(S2C) == 0
    assert b"allow-list" in s.after_handshake(S2C)


def test_save_load_lossless(tmp_path: Path) -> None:
    w = Wire(deflate=True)
    w.pump()
    w.client.send_text("x" * 1000, fragment_size=100)
    w.pump()
    path = tmp_path / "s.wsx"
    w.session.save(path)
    again = Session.load(path)
    assert again.role == "client" and again.meta == {"url": "ws://h/"}
    assert again.stream(C2S) == w.session.stream(C2S) and again.stream(S2C) == w.session.stream(S2C)
    assert list(again.chunks()) == list(w.session.chunks())
    assert [(r.offset, r.t_first_ns, r.t_ns, bytes(r.frame)) for r in again.frames()] == [
        (r.offset, r.t_first_ns, r.t_ns, bytes(r.frame)) for r in w.session.frames()
    ]


def test_load_rejects_other_files(tmp_path: Path) -> None:
    import zipfile

    bad = tmp_path / "x.wsx"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("session.json", '{"format": "other"}')
    with pytest.raises(SessionFormatError, match="not a wsexplorer session"):
        Session.load(bad)


def test_dataframe() -> None:
    w = Wire()
    w.pump()
    w.client.send_text("a")
    w.pump()
    w.server.send_text("b")
    w.pump()
    df = w.session.to_dataframe()
    assert list(df["opcode"]) == [1, 1]
    assert list(df["direction"]) == ["client→server", "server→client"]


def test_no_python_object_per_frame() -> None:
    s = Session("server", handshake=False)
    frame = bytes(Frame.binary(b"12345678", mask=b"abcd"))
    chunk = frame * 1000
    for t in range(100):
        s.record(C2S, chunk, t)
    assert s.frame_count(C2S) == 100_000
    payload = 100_000 * 8
    overhead = (s.memory_bytes() - payload) / 100_000
    assert overhead <= 64, overhead  # header bytes + 24 bytes of columns per frame
    assert s.frame(C2S, 99_999).frame.payload == b"12345678"


def test_the_frame_index_is_built_when_read() -> None:
    """Recording only appends (a live connection's hot path); every read brings the index up to date,
    also the live offsets column a reader took before more frames came, and never counts a cut frame."""
    s = Session("server", handshake=False)
    frame = bytes(Frame.binary(b"12345678", mask=b"abcd"))
    for t in range(10):
        s.record(C2S, frame, t)
    offsets = s.frame_offsets(C2S)
    assert list(offsets) == [i * len(frame) for i in range(10)]
    for t in range(10, 15):
        s.record(C2S, frame, t)
    s.record(C2S, frame[:5], 15)  # half a frame: not a frame yet
    assert s.frames_extent(C2S) == (15, 15 * len(frame))
    assert len(offsets) == 15  # the same column, caught up by the read
    assert s.frame_count() == 15 and s.frame(C2S, 14).t_ns == 14
    replay = s.replay(C2S)
    assert replay.available == 15
    s.record(C2S, frame[5:] + frame, 16)
    assert replay.available == 17  # a replay made earlier sees the frames recorded since
    assert replay.message_of(16) is not None and replay.message(16).data == b"12345678"


@settings(deadline=None, max_examples=100)
@given(st.lists(st.binary(max_size=200), min_size=1, max_size=10), st.lists(st.integers(1, 64), max_size=40))
def test_any_cuts_same_frames(payloads: list[bytes], cuts: list[int]) -> None:
    stream = b"".join(bytes(Frame.binary(p, mask=b"\x00\x01\x02\x03")) for p in payloads)
    s = Session("server", handshake=False)
    pos = 0
    for i, cut in enumerate(cuts):
        s.record(C2S, stream[pos : pos + cut], i)
        pos += cut
    s.record(C2S, stream[pos:], len(cuts))
    assert [r.frame.payload for r in s.frames(C2S)] == payloads
