"""The one replay path: recorded frames judged in their connection's context, never out of it.

A valid session with permessage-deflate shows no violation on any frame, whatever the context
takeover, fragmentation or interleaved control frames; a session with a real violation shows it with
the rule, byte range, section and close code the receiving peer failed with.
"""

from __future__ import annotations

import pytest

from wsexplorer.codec.extensions import PerMessageDeflate
from wsexplorer.codec.frames import Frame
from wsexplorer.codec.server_decision import ServerPolicy
from wsexplorer.protocol.connection import Connection
from wsexplorer.protocol.events import BinaryMessage, ConnectionFailed, TextMessage
from wsexplorer.record.loopback import Loopback
from wsexplorer.record.replay import Replay
from wsexplorer.record.session import C2S, S2C, Session
from wsexplorer.render.describe import describe, html

TEXTS = [
    "Hello Server!",
    "Hello Server!",  # a repeat: with context takeover it refers back to the first
    "κόσμε " * 40,  # long and multi-byte: fragmented below, characters split across frames
    "the quick brown fox " * 20,
    "",
]


def echo_session(*, takeover: bool, fragment: int | None = 7) -> tuple[Session, list[str | bytes]]:
    """A client's recording of an echo over permessage-deflate, with fragments, a ping and a close."""
    off = not takeover
    offer = PerMessageDeflate(client_no_context_takeover=off, server_no_context_takeover=off)
    wire = Loopback(
        Connection("client", url="ws://h/", extensions=[offer]),
        Connection("server", policy=ServerPolicy(extensions=[PerMessageDeflate()])),
    )
    wire.pump()
    sent: list[str | bytes] = []
    for i, text in enumerate(TEXTS):
        wire.client.send_text(text, fragment_size=fragment if i == 2 else None)
        sent.append(text)
        if i == 1:
            wire.client.send_ping(b"between")
        wire.client.send_binary(bytes(range(i, i + 50)))
        sent.append(bytes(range(i, i + 50)))
        _, server_events = wire.pump()
        for event in server_events:
            if isinstance(event, (TextMessage, BinaryMessage)):
                wire.server.send(event.data, fragment_size=5 if i == 3 else None)
        wire.pump()
    wire.client.send_close(1000, "done")
    wire.pump()
    return wire.session, sent


@pytest.mark.parametrize("takeover", [True, False])
def test_a_valid_deflate_session_shows_no_violation_on_any_frame(takeover: bool) -> None:
    session, sent = echo_session(takeover=takeover)
    for direction in (C2S, S2C):
        replay = session.replay(direction)
        assert replay.context.rsv1_allowed and replay.context.takeover is takeover
        total = session.frame_count(direction)
        assert total > len(sent)  # fragments and control frames too
        for i in range(total):
            record = session.frame(direction, i)
            replayed = record.in_context()
            assert replayed.violations == (), (direction, i, replayed.violations)
            assert replayed.processed and replayed.failure is None
            assert "No rule broken" in html(record)
            assert "violations: none" in describe(record)
        assert [replay.message(m.number).data for m in replay.messages] == sent
        assert replay.failure is None


def test_out_of_context_the_same_frames_would_look_wrong() -> None:
    """Why the context matters: alone, a compressed frame breaks RSV1 and a fragment breaks UTF-8."""
    session, _ = echo_session(takeover=True)
    frames = [session.frame(S2C, i).frame for i in range(session.frame_count(S2C))]
    assert any(v.field == "RSV1" for f in frames for v in f.violations)
    # a compressed frame inflated with a fresh window (no history) fails once takeover is in play
    late = [r for r in (session.frame(C2S, i) for i in range(session.frame_count(C2S))) if r.frame.rsv1][-1]
    alone = Replay.of_bytes(bytes(late.frame), sender="client", extensions=["permessage-deflate"])
    alone.advance()
    assert alone.failure is not None and alone.failure[1].close_code == 1007
    assert late.in_context().violations == ()


def test_messages_know_their_frames_and_fragments() -> None:
    session, _ = echo_session(takeover=True, fragment=7)
    replay = session.replay(C2S)
    replay.advance()
    long = next(m for m in replay.messages if m.frames > 1)
    assert long.compressed and long.is_text
    positions = [replay.fragment(i) for i in range(long.first, long.last + 1)]
    assert positions == list(range(1, long.frames + 1))  # no control frame inside this one
    middle = replay.frame(long.first + 1)
    assert middle.message == long and middle.fragment == 2


def test_a_real_violation_is_shown_as_the_receiver_failed() -> None:
    """A server that masks its frames (§5.1): the client fails with 1002; the replay says the same."""
    wire = Loopback(
        Connection("client", url="ws://h/"),
        Connection("server", misbehave=["mask-frames"], rng=lambda n: b"\x01\x02\x03\x04"),
    )
    wire.pump()
    wire.server.send_text("masked on purpose")
    client_events, _ = wire.pump()
    (failed,) = [e for e in client_events if isinstance(e, ConnectionFailed)]
    record = wire.session.frame(S2C, 0)
    (violation,) = record.in_context().violations
    assert violation.rule == failed.error.rule == "a server must not mask frames it sends"
    assert (violation.start, violation.end) == (1, 2)  # the MASK bit's byte
    assert failed.error.offset == record.offset + violation.start
    assert violation.section == failed.error.section == "RFC 6455 §5.1"
    assert violation.close_code == failed.error.close_code == 1002


def recorded(frames: list[bytes], *, deflate: bool = True) -> Session:
    """A session whose server sends ``frames`` after a handshake that agreed on permessage-deflate."""
    wire = Loopback(
        Connection("client", url="ws://h/", extensions=[PerMessageDeflate()] if deflate else []),
        Connection("server", policy=ServerPolicy(extensions=[PerMessageDeflate()])),
    )
    wire.pump()
    for data in frames:
        wire.server.send_raw(data)
        wire.pump()
    return wire.session


def test_bad_deflate_data_is_reported_at_its_frame_only() -> None:
    good = Frame.build(0x1, bytes.fromhex("f248cdc9c90700"), rsv1=True)  # "Hello" (RFC 7692 §7.2.3.1)
    bad = Frame.build(0x1, b"\xff\xff\xff\xff", rsv1=True)
    session = recorded([bytes(good), bytes(bad), bytes(good)])
    replay = session.replay(S2C)
    assert replay.frame(0).violations == () and replay.message(0).data == "Hello"
    (violation,) = replay.frame(1).violations
    assert violation.rule.startswith("invalid DEFLATE data") and violation.close_code == 1007
    assert violation.section == "RFC 7692 §7.2.2"
    third = replay.frame(2)
    assert not third.processed and third.violations == ()  # the receiver read nothing after failing


def test_utf8_split_across_fragments_is_not_a_violation_but_bad_utf8_is() -> None:
    euro = "€".encode()  # three bytes, split between two frames
    first = Frame.build(0x1, b"a" + euro[:2], fin=False)
    rest = Frame.build(0x0, euro[2:] + b"b")
    wrong = Frame.build(0x1, b"ok\xff")
    session = recorded([bytes(first), bytes(rest), bytes(wrong)], deflate=False)
    replay = session.replay(S2C)
    assert replay.frame(0).violations == () and replay.frame(1).violations == ()
    assert replay.message(0).data == "a€b"
    (violation,) = replay.frame(2).violations
    assert violation.close_code == 1007 and violation.start == 2 + 2  # header, then "ok"


def test_a_live_session_grows_and_the_replay_follows() -> None:
    wire = Loopback(Connection("client", url="ws://h/"), Connection("server"))
    wire.pump()
    wire.server.send_text("one")
    wire.pump()
    replay = wire.session.replay(S2C)
    assert [m.head_text() for m in (replay.message_of(0),) if m] == ["one"]
    wire.server.send_text("two")
    wire.pump()
    assert replay.message_of(1) is not None and replay.message(1).data == "two"


def test_pasted_bytes_say_what_was_assumed() -> None:
    data = bytes(Frame.text("hi"))
    unknown = Replay.of_bytes(data)
    assert unknown.context.sender is None
    assert any("masking rule" in a for a in unknown.context.assumptions)
    assert unknown.frame(0).violations == ()
    as_client = Replay.of_bytes(data, sender="client")
    assert [v.field for v in as_client.frame(0).violations] == ["MASK"]


def test_budgeted_resolution_defers_far_frames() -> None:
    session, _ = echo_session(takeover=True)
    replay = Replay.of_session(session, C2S)
    last = session.frame_count(C2S) - 1
    assert not replay.resolve(last, budget=2) and replay.fed == 0  # too far: nothing fed now
    while not replay.step(last, 3):
        pass
    assert replay.message_of(last) is None or replay.fed > last
